// Progressive enhancement for the R4 checklist: as the person types, mark the rules the browser can check.
// The server checks every rule again (and the ones only it can: common passwords, personal data, history).
const checks = {
  length: (p) => p.length >= 8 && p.length <= 64,
  charset: (p) => p.length > 0 && /^[A-Za-z0-9]+$/.test(p),
  digit: (p) => /[0-9]/.test(p),
  upper: (p) => /[A-Z]/.test(p),
  lower: (p) => /[a-z]/.test(p),
};

const input = document.querySelector('input[name="password"]');
const list = document.getElementById('password-rules');
if (input && list) {
  const met = list.dataset.met ?? '';
  const unmet = list.dataset.unmet ?? '';
  const update = () => {
    const value = input.value;
    for (const item of list.querySelectorAll('li[data-rule]')) {
      const check = checks[item.dataset.rule];
      if (!check) continue;
      const ok = value.length > 0 && check(value);
      item.classList.toggle('met', ok);
      item.classList.toggle('unmet', value.length > 0 && !ok);
      const state = item.querySelector('.state');
      if (state) state.textContent = value.length === 0 ? '•' : ok ? '✓' : '✗';
      const text = item.querySelector('.state-text');
      if (text) text.textContent = value.length === 0 ? '' : ` (${ok ? met : unmet})`;
    }
  };
  // Rules only the server can judge (common words, personal data, history) keep no stale verdict once the person types
  // again.
  let touched = false;
  const clearServerOnly = () => {
    if (touched) return;
    touched = true;
    for (const item of list.querySelectorAll('li[data-rule]')) {
      if (checks[item.dataset.rule]) continue;
      item.classList.remove('met', 'unmet');
      const state = item.querySelector('.state');
      if (state) state.textContent = '•';
      const text = item.querySelector('.state-text');
      if (text) text.textContent = '';
    }
  };
  input.addEventListener('input', () => {
    clearServerOnly();
    update();
  });
  // After a submit the field is empty and the page shows the server's verdict: keep it until the person types.
  if (input.value) update();
}
