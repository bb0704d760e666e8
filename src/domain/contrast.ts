// R37, WCAG 2.1 SC 1.4.3: the contrast of a brand's text colours against what they are drawn on. The portal refuses
// to start with a brand whose text would fail AA (4.5:1 for body text), rather than ship an unreadable page.

/** WCAG AA's minimum contrast for normal-size text. */
export const AA_TEXT_CONTRAST = 4.5;

/** The relative luminance of an sRGB colour given as #rrggbb (WCAG 2.1 definition). */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two #rrggbb colours, from 1 (the same) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export interface BrandColors {
  primary: string;
  primaryText: string;
  accent: string;
}

/** White: the page's cards and the header are white (public/app.css --surface). */
const SURFACE = '#ffffff';

/**
 * The pairs the stylesheet draws text with: the brand's text colour on its primary colour (navigation bar, buttons,
 * the card), the primary colour on white (links, the brand name, secondary buttons) and white on the accent (tags).
 * Each failing pair is named by its colours, so whoever wrote the brand file knows which one to change.
 */
export function brandContrastProblems(colors: BrandColors): string[] {
  const pairs: [field: string, text: string, on: string, onName: string][] = [
    ['colors.primaryText', colors.primaryText, colors.primary, `colors.primary ${colors.primary}`],
    ['colors.primary', colors.primary, SURFACE, `white ${SURFACE}`],
    ['colors.accent', SURFACE, colors.accent, `white text ${SURFACE}`],
  ];
  return pairs.flatMap(([field, text, on, onName]) => {
    const ratio = contrastRatio(text, on);
    if (ratio >= AA_TEXT_CONTRAST) return [];
    const colour = field === 'colors.accent' ? colors.accent : text;
    return [
      `${field} ${colour} and ${onName} have a contrast of ${ratio.toFixed(2)}:1; ` +
        `WCAG AA needs at least ${AA_TEXT_CONTRAST}:1 for text`,
    ];
  });
}
