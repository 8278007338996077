// The stylesheet of reports/report.html: system fonts only, nothing fetched.

export const REPORT_CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d1f23;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 0 0 4px; }
.facts { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0 0; padding: 0; list-style: none; }
.facts li { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 4px 10px; }
.facts b { font-variant-numeric: tabular-nums; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 10px; padding: 20px 24px;
  margin-top: 24px; }
.note { color: #5a606b; margin: 0 0 14px; font-size: 14px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; color: #5a606b; font-size: 13px; padding-top: 10px; }
th, td { padding: 6px 8px; text-align: right; border-bottom: 1px solid #eceef1; white-space: nowrap; }
thead th { font-weight: 600; vertical-align: bottom; white-space: normal; line-height: 1.25; }
thead tr:last-child th { min-width: 52px; }
thead tr:first-child th { text-align: center; color: #5a606b; font-weight: 500; font-size: 12px;
  letter-spacing: .02em; border-bottom: 2px solid #dde1e6; }
th[scope=row], thead th:first-child { text-align: left; }
th[scope=row] { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 500; }
tr.primary th[scope=row] { color: #0072B2; font-weight: 700; }
tbody tr:hover { background: #f8fafc; }
td.best { background: #e3f4ea; color: #0b5d2a; }
td.na { color: #9aa0a8; }
td.failed { text-align: left; color: #9b1c1c; background: #fdf0f0; white-space: normal; }
.dir { color: #8a9099; font-weight: 400; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
footer { color: #8a9099; font-size: 12px; margin-top: 24px; text-align: center; }
`
