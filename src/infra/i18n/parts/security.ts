// Messages of the security slice, in both languages (R20). The English half is typed against the Spanish keys.
export const securityEs = {
} as const;

export const securityEn: Record<keyof typeof securityEs, string> = {
};
