// Messages that show parts of the brand configuration (issue 10), in both languages (R20).
export const brandEs = {
  'home.intlWeb': 'Más información para asegurados internacionales y expatriados',
};

export const brandEn: Record<keyof typeof brandEs, string> = {
  'home.intlWeb': 'More for international and expatriate members',
};
