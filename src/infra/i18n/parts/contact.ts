// Messages of the contact slice, in both languages (R20). The English half is typed against the Spanish keys.
export const contactEs = {
} as const;

export const contactEn: Record<keyof typeof contactEs, string> = {
};
