// app.js -- the browser client's entry point.
const app = document.getElementById('app');
app.dataset.ready = 'true';
