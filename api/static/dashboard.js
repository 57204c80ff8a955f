// The figures pages: the dashboard's two charts, drawn with Chart.js from the figures the page embeds
// (#stats-data), and the periodic report's print button.
(function () {
  document.querySelectorAll('[data-print]').forEach((button) => {
    button.addEventListener('click', () => window.print());
  });
  const embedded = document.getElementById('stats-data');
  if (!embedded || typeof Chart === 'undefined') return;
  const data = JSON.parse(embedded.textContent);
  const colours = { total: '#6b7f99', resolved: '#1d6b3a', timely: '#4fa36b', received: '#6b7f99', late: '#a3231b' };
  // Numbers on the axes and in the tooltips with the page's separators (1.000 in Vietnamese, 1,000 in English).
  const locale = document.documentElement.lang === 'en' ? 'en-GB' : 'vi-VN';
  const common = { locale, responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: 'top' } } };
  new Chart(document.getElementById('centres-chart'), {
    type: 'bar',
    data: { labels: data.centres, datasets: ['total', 'resolved', 'timely'].map((key) => ({
      label: data.labels[key], data: data[key], backgroundColor: colours[key] })) },
    options: { ...common, indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  new Chart(document.getElementById('days-chart'), {
    type: 'line',
    data: { labels: data.days, datasets: [
      { label: data.labels.received, data: data.day_received, borderColor: colours.received, backgroundColor: colours.received },
      { label: data.labels.resolved, data: data.day_resolved, borderColor: colours.resolved, backgroundColor: colours.resolved },
      { label: data.labels.late, data: data.day_late, borderColor: colours.late, backgroundColor: colours.late },
    ] },
    options: { ...common, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
})();
