// R14's visible members moved to src/identity/visible-members.ts (issue 19: the requests slice needs them too).
export { visibleMembers, type VisibleMember } from '../../identity/visible-members.js';
