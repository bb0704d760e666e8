// R34: "near me" where scripts run — the browser's location (asked only on a click) sorts the results by distance.
// Without scripts the postal code field does the same; the page never loads a map or any third-party script.
const button = document.getElementById('use-location');
const form = button?.closest('form');
if (button && form && 'geolocation' in navigator) {
  button.hidden = false;
  button.addEventListener('click', () => {
    navigator.geolocation.getCurrentPosition((pos) => {
      for (const [name, value] of [
        ['lat', pos.coords.latitude.toFixed(4)],
        ['lon', pos.coords.longitude.toFixed(4)],
      ]) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      form.querySelector('[name=near]').value = '';
      form.submit();
    });
  });
}
