/* global XMLHttpRequest, FormData, URL */
// R31, progressive enhancement of the request forms: with scripts, the form is sent through XMLHttpRequest so the page
// can show how much of the files has gone up. Without scripts (or without these APIs) the form posts as it is, and
// the server treats both the same way: it checks everything again and keeps nothing until the request is complete.
for (const form of document.querySelectorAll('form[data-upload]')) {
  const box = form.querySelector('.upload-progress');
  const bar = box?.querySelector('progress');
  const status = box?.querySelector('.upload-status');
  if (!box || !bar || !status || typeof XMLHttpRequest === 'undefined' || typeof FormData === 'undefined') continue;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    box.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      status.textContent = (box.dataset.progress ?? '').replace('{percent}', String(percent));
    });
    xhr.upload.addEventListener('load', () => {
      bar.value = 100;
      status.textContent = box.dataset.done ?? '';
    });
    xhr.addEventListener('load', () => {
      // Sent: the server answered with the request's page (after its redirect); go there.
      if (xhr.responseURL && new URL(xhr.responseURL).pathname !== new URL(form.action).pathname) {
        window.location.assign(xhr.responseURL);
        return;
      }
      // Refused: the form came back with its problems; show that page as the server drew it.
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    // The connection failed: send the form the plain way, which shows the browser's own error if it fails again.
    xhr.addEventListener('error', () => form.submit());
    xhr.send(new FormData(form));
  });
}
