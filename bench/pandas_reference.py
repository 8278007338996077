#!/usr/bin/env python3
"""pandas reference for the fcv features benchmark (bench/run.ts runs it; it also runs standalone).

Does the work of `fcv ingest` + `fcv features` in idiomatic, vectorised pandas:

  read     the CSV(.gz) log with the column mapping of params.yaml (pyarrow CSV engine)
  clean    the ingest rules, in fcv's order: unreadable time/quantity/price dropped; text fields
           trimmed; drop rows without a customer id, exact duplicate lines, excluded product
           codes/patterns, unit price <= 0 and zero amounts; amount = round(quantity x price x
           10^e) integer minor units, half away from zero (exact for prices with <= 6 decimals);
           cancellations (order id prefix) forced negative; wall-clock timestamps in
           data.timezone -> UTC; cleaned transactions written as Arrow IPC (Feather), the dropped
           rows to quarantine.csv (reason, raw text) and the counts, distinct ids, date
           range, total and input sha256 to ingest-report.json, as fcv ingest writes them
  features feature spec v1 (core/src/features/spec.ts, compute.ts) and the label (label.ts) at every
           cutoff of the plan (core/src/cutoffs.ts), one groupby pass per cutoff, no Python loops
           over customers; train/valid/test written as Arrow IPC (Feather)

Times each phase, prints them, and writes {"maxRssKb", "userMs", "systemMs", "wallMs", ...} to
--rusage-out (the same shape fcv writes with FCV_RUSAGE_OUT).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import time
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.feather as feather
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

START = time.perf_counter()
DAY_MS = 86_400_000
WINDOWS_DAYS = (30, 90, 180, 365)

# The data section of params.yaml (the UCI Online Retail II mapping). bench/run.ts passes the
# project's validated params with --data-params, so this copy only serves standalone runs.
DEFAULT_DATA: dict = {
    'format': 'csv',
    'delimiter': ',',
    'header': True,
    'columns': {
        'customer_id': 'Customer ID',
        'timestamp': 'InvoiceDate',
        'amount': None,
        'quantity': 'Quantity',
        'unit_price': 'Price',
        'order_id': 'Invoice',
        'product_id': 'StockCode',
        'country': 'Country',
    },
    'timestamp_format': 'YYYY-MM-DD HH:MM:SS',
    'timezone': 'Europe/London',
    'currency_exponent': 2,
    'cancellation': {'order_id_prefix': 'C'},
    'exclude_products': {
        'codes': ['POST', 'DOT', 'M', 'm', 'C2', 'D', 'S', 'B', 'BANK CHARGES', 'AMAZONFEE',
                  'ADJUST', 'ADJUST2', 'CRUK', 'PADS'],
        'patterns': ['^TEST'],
    },
}

WALL_CLOCK_FORMATS = {
    'YYYY-MM-DD HH:MM:SS': '%Y-%m-%d %H:%M:%S',
    'YYYYMMDD': '%Y%m%d',
    'DD/MM/YYYY HH:MM': '%d/%m/%Y %H:%M',
    'MM/DD/YYYY HH:MM': '%m/%d/%Y %H:%M',
}


def feature_names() -> list[str]:
    """Feature spec v2 in order (core/src/features/spec.ts)."""
    names: list[str] = []
    for prefix in ('spend', 'purchase_days', 'orders'):
        names += [f'{prefix}_{d}d' for d in WINDOWS_DAYS] + [f'{prefix}_total']
    return names + [
        'recency_days', 'tenure_days', 'mean_gap_days', 'mean_order_value', 'max_order_value',
        'first_order_value', 'returns_count', 'returned_value_ratio', 'distinct_products',
        'one_time_buyer', 'btyd_value', 'country',
    ]


def log(msg: str) -> None:
    print(f'[pandas {time.perf_counter() - START:7.2f}s] {msg}', flush=True)


def parse_day(text: str) -> int:
    """YYYY-MM-DD at 00:00 UTC, as epoch ms (core/src/time.ts parseInstant)."""
    d = datetime.strptime(text, '%Y-%m-%d').replace(tzinfo=timezone.utc)
    return int(d.timestamp()) * 1000


def plan_cutoffs(
    test_ms: int, step_days: int, count: int, horizon_days: int
) -> list[tuple[int, str]]:
    """core/src/cutoffs.ts planCutoffs: `count` training cutoffs (the last is valid), then test."""
    latest_train = test_ms - horizon_days * DAY_MS
    out = [
        (latest_train - k * step_days * DAY_MS, 'valid' if k == 0 else 'train')
        for k in range(count - 1, -1, -1)
    ]
    return out + [(test_ms, 'test')]


# ---------------------------------------------------------------------------------------- ingest


def read_log(path: str, data: dict) -> tuple[pd.DataFrame, list[str]]:
    """Every column as text: an exact duplicate is a duplicate of the whole line, and malformed
    values are found by the parsers below. Lines with the wrong number of fields are set aside
    (their text; pyarrow does not say where they were) for the quarantine."""
    if data.get('format', 'csv') != 'csv' or not data.get('header', True):
        raise SystemExit('pandas reference: only csv logs with a header row are supported')
    bad: list[str] = []

    def set_aside(row) -> str:  # pyarrow.csv.InvalidRow
        bad.append(row.text)
        return 'skip'

    frame = pd.read_csv(
        path,
        engine='pyarrow',
        sep=data.get('delimiter', ','),
        dtype='str',
        keep_default_na=False,
        na_values=[''],
        on_bad_lines=set_aside,
    )
    return frame, bad


NUMBER = r'^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$'


def parse_number(text: pd.Series) -> np.ndarray:
    """Decimal text to float, NaN when it is not a number (pd.to_numeric(errors='coerce'), done
    with pyarrow compute on pandas' Arrow-backed strings: the same result, twice as fast)."""
    arr = pa.array(text)
    ok = pc.match_substring_regex(arr, NUMBER)
    valid = pc.utf8_trim_whitespace(pc.if_else(ok, arr, pa.scalar(None, arr.type)))
    return pc.cast(valid, pa.float64()).to_numpy(zero_copy_only=False)


def epoch_ms(times: pd.Series) -> pd.Series:
    """Epoch milliseconds of zoned datetimes as float, NaN for NaT."""
    ms = times.dt.as_unit('ms')
    out = ms.array.asi8.astype(np.float64)
    out[ms.isna().to_numpy()] = np.nan
    return pd.Series(out, index=times.index)


def to_utc_ms(values: pd.Series, fmt: str, tz: str) -> pd.Series:
    """UTC epoch ms as float (NaN where the text is not a valid time)."""
    values = values.str.strip()
    if fmt in ('epoch_s', 'epoch_ms'):
        n = pd.to_numeric(values, errors='coerce')
        return n * 1000 if fmt == 'epoch_s' else n
    if fmt == 'iso8601':
        return epoch_ms(pd.to_datetime(values, format='ISO8601', errors='coerce', utc=True))
    local = pd.to_datetime(values, format=WALL_CLOCK_FORMATS[fmt], errors='coerce')
    # Ambiguous wall-clock times (autumn) take the earlier instant; times in a spring gap are read
    # with the offset before it (Temporal's "compatible" rule; the +1 h shift assumes 1 h gaps).
    return epoch_ms(local.dt.tz_localize(tz, ambiguous=True, nonexistent=pd.Timedelta(hours=1)))


def clean(
    raw: pd.DataFrame, bad_lines: list[str], data: dict
) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """The ingest rules as boolean masks over the raw frame, then one filter. Returns the kept
    transactions, the counts, and the quarantine (reason and raw text of every dropped row)."""
    c = data['columns']
    n = len(raw)

    # Unreadable values: a bad time, quantity, price or amount.
    ts = to_utc_ms(raw[c['timestamp']], data['timestamp_format'], data.get('timezone', 'UTC'))
    invalid = ts.isna().to_numpy()
    num = {
        key: parse_number(raw[c[key]])
        for key in ('quantity', 'unit_price', 'amount')
        if c.get(key) is not None
    }
    for v in num.values():
        invalid = invalid | ~np.isfinite(v)

    cust = raw[c['customer_id']].str.strip()
    has_customer = (cust.notna() & (cust != '')).to_numpy()
    # Exact duplicate lines (every column, Description included); the first one stays. Identical
    # lines agree on the customer, so this equals deduplicating after the customer filter.
    # Rows hashed first; only rows whose hash repeats are compared exactly.
    maybe = pd.util.hash_pandas_object(raw, index=False).duplicated(keep=False).to_numpy()
    dup = np.zeros(n, dtype=bool)
    dup[maybe] = raw[maybe].duplicated(keep='first').to_numpy()

    excluded = np.zeros(n, dtype=bool)
    if c.get('product_id') is not None:
        ex = data.get('exclude_products', {})
        prod = raw[c['product_id']].str.strip()
        excluded = prod.isin(ex.get('codes', [])).to_numpy()
        for pattern in ex.get('patterns', []):
            excluded = excluded | prod.str.contains(pattern, regex=True, na=False).to_numpy()

    # Money in exact integer arithmetic: values in millionths of a major unit, then
    # round(value x 10^e) half away from zero.
    exp = int(data.get('currency_exponent', 2))
    div = 10 ** (6 - exp)
    if 'amount' in num:
        bad_price = np.zeros(n, dtype=bool)
        micro = np.rint(np.where(invalid, 0, num['amount']) * 1e6).astype(np.int64)
    else:
        price = np.where(invalid, 0, num['unit_price'])
        qty = np.where(invalid, 0, num['quantity'])
        bad_price = ~(price > 0)
        price_micro = np.rint(price * 1e6).astype(np.int64)
        if np.array_equal(qty, np.rint(qty)):
            micro = qty.astype(np.int64) * price_micro
        else:  # fractional quantities: float product, rounded as below
            micro = np.rint(qty * price_micro).astype(np.int64)
    amount = np.sign(micro) * ((np.abs(micro) + div // 2) // div)
    prefix = (data.get('cancellation') or {}).get('order_id_prefix')
    if prefix and c.get('order_id') is not None:
        cancelled = raw[c['order_id']].str.strip().str.startswith(prefix, na=False).to_numpy()
        amount = np.where(cancelled, -np.abs(amount), amount)
    zero = amount == 0

    # Drops counted rule by rule, in this order; each dropped row keeps its first reason (fcv's
    # quarantine codes) for the quarantine file.
    report: dict = {'rows_read': int(n) + len(bad_lines)}
    keep = np.ones(n, dtype=bool)
    reason = np.full(n, '', dtype=object)
    for name, code, drop in (
        ('dropped_invalid', 'invalid', invalid),
        ('dropped_missing_customer', 'missing_customer_id', ~has_customer),
        ('dropped_duplicate', 'duplicate', dup),
        ('dropped_excluded_product', 'excluded_product', excluded),
        ('dropped_nonpositive_price', 'non_positive_price', bad_price),
        ('dropped_zero_amount', 'zero_amount', zero),
    ):
        hit = keep & drop
        report[name] = int(hit.sum()) + (len(bad_lines) if code == 'invalid' else 0)
        reason[hit] = code
        keep = keep & ~drop

    def text(key: str) -> pd.Series | None:
        name = c.get(key)
        if name is None:
            return None
        s = raw[name][keep].str.strip()  # text fields are trimmed; an empty one is missing
        return s.where(s != '')

    def number(key: str) -> np.ndarray | None:
        return num[key][keep] if key in num else None

    out = pd.DataFrame(
        {
            'customer_id': cust[keep],
            'timestamp': ts[keep].astype(np.int64),
            'amount_minor': amount[keep],
            'order_id': text('order_id'),
            'product_id': text('product_id'),
            'country': text('country'),
            'quantity': number('quantity'),
            'unit_price': number('unit_price'),
            # position in the log (orders lines that share a timestamp)
            'source_line': np.arange(2, n + 2, dtype=np.int32)[keep],
        }
    ).reset_index(drop=True)
    out['timestamp'] = pd.to_datetime(out['timestamp'], unit='ms', utc=True).dt.as_unit('ms')
    report['rows_kept'] = int(len(out))
    dropped = ~keep
    quarantine = pd.DataFrame(
        {
            'reason': np.concatenate([np.full(len(bad_lines), 'invalid', dtype=object),
                                      reason[dropped]]),
            'raw': pa.concat_arrays(
                [pa.array(bad_lines, type=pa.large_string()), *raw_lines(raw, dropped).chunks]
            ),
        }
    )
    return out, report, quarantine


def raw_lines(frame: pd.DataFrame, rows: np.ndarray) -> pa.ChunkedArray:
    """The fields of the selected rows as CSV lines, a field quoted RFC 4180 style when it needs
    it. pyarrow on the frame's Arrow-backed columns: filtering the frame first is slower."""
    mask = pa.array(rows)
    fields = []
    for name in frame.columns:
        a = pc.filter(pa.chunked_array(pa.array(frame[name])), mask)
        text = lambda s: pa.scalar(s, type=a.type)  # noqa: E731 (pandas' strings are large_string)
        a = pc.fill_null(a, text(''))
        needs = pc.or_(pc.match_substring(a, ','), pc.match_substring(a, '"'))
        needs = pc.or_(needs, pc.or_(pc.match_substring(a, '\n'), pc.match_substring(a, '\r')))
        if pc.any(needs).as_py():  # most columns never need quotes: skip the work
            escaped = pc.replace_substring(a, '"', '""')
            quoted = pc.binary_join_element_wise(text('"'), escaped, text('"'), text(''))
            a = pc.if_else(needs, quoted, a)
        fields.append(a)
    return pc.binary_join_element_wise(*fields, pa.scalar(',', type=fields[0].type))


def write_quarantine(quarantine: pd.DataFrame, path: str) -> None:
    """The dropped rows with their reason and raw text, as in fcv's quarantine.csv."""
    pa_csv.write_csv(pa.Table.from_pandas(quarantine, preserve_index=False), path)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def ingest_report(tx: pd.DataFrame, report: dict, path: str, input_path: str) -> None:
    """What fcv's ingest-report.json holds: counts, distinct ids, date range, total amount."""
    ts = tx['timestamp']
    full = {
        'input_path': input_path,
        'input_sha256': sha256_of(input_path),
        **report,
        'customers': int(tx['customer_id'].nunique()),
        'orders': int(tx['order_id'].nunique()),
        'returns': int((tx['amount_minor'] < 0).sum()),
        'date_range': {
            'first': ts.min().isoformat() if len(tx) else None,
            'last': ts.max().isoformat() if len(tx) else None,
        },
        'total_amount_minor': int(tx['amount_minor'].sum()),
    }
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(full, f, indent=2)


# -------------------------------------------------------------------------------------- features


def prepare(tx: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Integer-coded columns, sorted by customer, time and log line (the trainer's stable order)."""
    cust, customers = pd.factorize(tx['customer_id'])
    ts = tx['timestamp'].dt.as_unit('ms').astype('int64').to_numpy()
    order = np.lexsort((tx['source_line'].to_numpy(), ts, cust))
    order_code, _ = pd.factorize(tx['order_id'])  # -1 when missing
    # Without an order id, the lines of one timestamp are one order.
    order_key = np.where(order_code >= 0, order_code, -1 - ts)
    product, _ = pd.factorize(tx['product_id'])
    country, countries = pd.factorize(tx['country'])
    frame = pd.DataFrame(
        {
            'cust': cust,
            'ts': ts,
            'amt': tx['amount_minor'].to_numpy(),
            'order': order_key,
            'product': product,
            'country': country,
        }
    ).iloc[order]
    frame = frame.reset_index(drop=True)
    frame['pos'] = np.arange(len(frame))
    frame['day'] = frame['ts'] // DAY_MS  # whole UTC days (floor, also before 1970)
    return frame, np.asarray(customers, dtype=object), np.asarray(countries, dtype=object)


def rfm_summary(h: pd.DataFrame, t0: int) -> pd.DataFrame:
    """Per customer with a purchase before t0: x, t_x, T (days) and the mean net of the repeat purchase
    days (core/src/btyd/rfm.ts): a day counts when it has a purchase line, its value is its net."""
    lines = pd.DataFrame(
        {'cust': h['cust'].to_numpy(), 'day': h['day'].to_numpy(), 'amt': h['amt'].to_numpy()}
    )
    lines['bought'] = lines['amt'] > 0
    day = lines.groupby(['cust', 'day'], sort=True).agg(net=('amt', 'sum'), bought=('bought', 'any'))
    day = day[day['bought']].reset_index()
    g = day.groupby('cust')
    first = g['day'].min()
    x = (g['day'].size() - 1).astype(np.float64)
    repeat = g['net'].sum() - g['net'].first()
    return pd.DataFrame(
        {
            'x': x,
            'tx': (g['day'].max() - first).astype(np.float64),
            'T': (t0 - first * DAY_MS) / DAY_MS,
            'monetary': np.where(x > 0, repeat / np.maximum(x, 1), 0.0),
        }
    )


def fit_log_params(nll, start: np.ndarray) -> np.ndarray:
    """argmin of nll over log-parameters by BFGS with central-difference gradients: BG/NBD's (a, b) lie
    along a flat ridge, where forward differences stop BFGS early (a off by 10% at 6e-4 nats) and
    central ones reach the optimum fcv's optimiser finds."""
    return minimize(nll, start, method='BFGS', jac='3-point',
                    options={'gtol': 1e-9, 'maxiter': 5000}).x


def fit_btyd(s: pd.DataFrame) -> tuple[tuple, tuple]:
    """Maximum likelihood BG/NBD and Gamma-Gamma, as lifetimes writes them, with scipy."""
    x, tx, T = s['x'].to_numpy(), s['tx'].to_numpy(), s['T'].to_numpy()
    scale = 10 / T.max()
    txs, Ts = tx * scale, T * scale

    def bgnbd_nll(theta: np.ndarray) -> float:
        r, alpha, a, b = np.exp(theta)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        a3 = -(r + x) * np.log(alpha + Ts)
        a4 = np.full_like(a3, -np.inf)
        rep = x > 0
        a4[rep] = (np.log(a) - np.log(b + x[rep] - 1)
                   - (r + x[rep]) * np.log(alpha + txs[rep]))
        return -np.mean(a1 + a2 + np.logaddexp(a3, a4))

    r, alpha, a, b = np.exp(fit_log_params(bgnbd_nll, np.zeros(4)))
    rep = s[(s['x'] > 0) & (s['monetary'] > 0)]
    gx, gm = rep['x'].to_numpy(), rep['monetary'].to_numpy()

    def gg_nll(theta: np.ndarray) -> float:
        p, q, v = np.exp(theta)
        ll = (gammaln(p * gx + q) - gammaln(p * gx) - gammaln(q) + q * np.log(v)
              + (p * gx - 1) * np.log(gm) + p * gx * np.log(gx) - (p * gx + q) * np.log(gx * gm + v))
        return -np.mean(ll)

    p, q, v = np.exp(fit_log_params(gg_nll, np.zeros(3)))
    return (r, alpha / scale, a, b), (p, q, v)


def btyd_value(s: pd.DataFrame, bgnbd: tuple, gg: tuple, horizon: int) -> np.ndarray:
    """E[X(horizon) | x, t_x, T] x E[M | x, m] (core/src/btyd/predict.ts), in minor units."""
    r, alpha, a, b = bgnbd
    p, q, v = gg
    x, tx, T, m = (s[c].to_numpy() for c in ('x', 'tx', 'T', 'monetary'))
    t = float(horizon)
    z = t / (alpha + T + t)
    # Euler's transformation keeps the 2F1 parameters from growing with x (as core does).
    second = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    dropped = np.zeros_like(x)
    rep = x > 0
    dropped[rep] = a / (b + x[rep] - 1) * ((alpha + T[rep]) / (alpha + tx[rep])) ** (r + x[rep])
    purchases = np.maximum(0.0, (a + b + x - 1) / (a - 1) * (1 - second) / (1 + dropped))
    mean = p * v / (q - 1)
    w = p * x / (p * x + q - 1)
    spend = np.where((x > 0) & (m > 0), (1 - w) * mean + w * m, mean)
    return purchases * spend


def features_at(frame: pd.DataFrame, t0: int, horizon: int, cap: float, scale: int,
                customers: np.ndarray, countries: np.ndarray) -> pd.DataFrame:
    h = frame[frame['ts'].to_numpy() < t0]
    ts = h['ts'].to_numpy()
    amt = h['amt'].to_numpy()
    starts = [t0 - d * DAY_MS for d in WINDOWS_DAYS]

    # Line sums: spend per window, purchased and returned value.
    sums_cols = {f'spend_{d}d': np.where(ts >= s, amt, 0) for d, s in zip(WINDOWS_DAYS, starts)}
    sums_cols['spend_total'] = amt
    sums_cols['purchased'] = np.where(amt > 0, amt, 0)
    sums_cols['returned'] = np.where(amt < 0, -amt, 0)
    sums = pd.DataFrame(sums_cols).groupby(h['cust'].to_numpy()).sum()
    sums = sums[sums['purchased'] > 0]  # population: a purchase line before t0
    pop = sums.index

    # Purchase lines: first/last purchase, purchase days per window, distinct products.
    p = h[amt > 0]
    by_cust = p.groupby('cust')
    first_purchase = by_cust['ts'].min()
    last_purchase = by_cust['ts'].max()
    days = p.groupby(['cust', 'day'], sort=False)['ts'].max().reset_index()
    day_cols = {f'purchase_days_{d}d': (days['ts'] >= s) for d, s in zip(WINDOWS_DAYS, starts)}
    day_cols['purchase_days_total'] = np.ones(len(days), dtype=np.int64)
    day_cols['first_day'] = days['day']
    day_cols['last_day'] = days['day']
    per_day = pd.DataFrame(day_cols).groupby(days['cust'].to_numpy())
    day_stats = per_day.sum()
    day_stats['first_day'] = per_day['first_day'].min()
    day_stats['last_day'] = per_day['last_day'].max()
    distinct_products = p[p['product'] >= 0].groupby('cust')['product'].nunique()

    # Orders: net value, time and position of the first line.
    orders = (
        h.groupby(['cust', 'order'], sort=False)
        .agg(value=('amt', 'sum'), first_ts=('ts', 'min'), first_pos=('pos', 'min'))
        .reset_index()
    )
    by_order_cust = orders.groupby('cust')
    max_order = by_order_cust['value'].max()
    returns_count = (orders['value'] < 0).groupby(orders['cust']).sum()
    pos_orders = orders[orders['value'] > 0]
    order_cols = {
        f'orders_{d}d': (pos_orders['first_ts'] >= s) for d, s in zip(WINDOWS_DAYS, starts)
    }
    order_cols['orders_total'] = np.ones(len(pos_orders), dtype=np.int64)
    order_cols['positive_sum'] = pos_orders['value']
    order_stats = pd.DataFrame(order_cols).groupby(pos_orders['cust'].to_numpy()).sum()
    first_order = pos_orders.sort_values('first_pos').groupby('cust')['value'].first()

    # Country of the latest line naming one.
    country = h[h['country'] >= 0].groupby('cust')['country'].last()

    def at(s: pd.Series, fill: float = 0) -> np.ndarray:
        return s.reindex(pop, fill_value=fill).to_numpy()

    out: dict[str, object] = {
        'customer_id': customers[pop.to_numpy()],
        'cutoff': np.full(len(pop), t0, dtype=np.int64),
    }
    for d in WINDOWS_DAYS:
        out[f'spend_{d}d'] = sums[f'spend_{d}d'].to_numpy() / scale
    out['spend_total'] = sums['spend_total'].to_numpy() / scale
    days_total = at(day_stats['purchase_days_total']).astype(np.float64)
    for d in WINDOWS_DAYS:
        out[f'purchase_days_{d}d'] = at(day_stats[f'purchase_days_{d}d']).astype(np.float64)
    out['purchase_days_total'] = days_total
    orders_total = at(order_stats['orders_total']).astype(np.float64)
    for d in WINDOWS_DAYS:
        out[f'orders_{d}d'] = at(order_stats[f'orders_{d}d']).astype(np.float64)
    out['orders_total'] = orders_total
    out['recency_days'] = np.minimum(cap, (t0 - at(last_purchase)) / DAY_MS)
    out['tenure_days'] = np.minimum(cap, (t0 - at(first_purchase)) / DAY_MS)
    span = (at(day_stats['last_day']) - at(day_stats['first_day'])).astype(np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        out['mean_gap_days'] = np.where(
            days_total >= 2, np.minimum(cap, span / (days_total - 1)), cap
        )
        out['mean_order_value'] = np.where(
            orders_total > 0, (at(order_stats['positive_sum']) / scale) / orders_total, 0.0
        )
    out['max_order_value'] = at(max_order) / scale
    out['first_order_value'] = at(first_order) / scale
    out['returns_count'] = at(returns_count).astype(np.float64)
    out['returned_value_ratio'] = np.minimum(
        1.0, sums['returned'].to_numpy() / sums['purchased'].to_numpy()
    )
    out['distinct_products'] = at(distinct_products).astype(np.float64)
    out['one_time_buyer'] = (days_total == 1).astype(np.float64)
    summary = rfm_summary(h, t0)
    bgnbd, gg = fit_btyd(summary)
    out['btyd_value'] = btyd_value(summary.reindex(pop), bgnbd, gg, horizon) / scale
    country_code = at(country, -1)
    out['country'] = np.where(country_code >= 0, countries[np.maximum(country_code, 0)], '')

    # Label: net spend in [t0, t0 + horizon), floored at 0.
    ts_all = frame['ts'].to_numpy()
    future = frame[(ts_all >= t0) & (ts_all < t0 + horizon * DAY_MS)]
    label_minor = np.maximum(0, at(future.groupby('cust')['amt'].sum()))
    out['label'] = label_minor / scale
    out['label_minor'] = label_minor.astype(np.int64)
    df = pd.DataFrame(out)[['customer_id', 'cutoff', *feature_names(), 'label', 'label_minor']]
    df['cutoff'] = pd.to_datetime(df['cutoff'], unit='ms', utc=True).dt.as_unit('ms')
    df['country'] = df['country'].astype('str')
    return df


def write_arrow(df: pd.DataFrame, path: str) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    # Utf8 (not LargeUtf8) strings, as fcv writes them.
    schema = pa.schema(
        [f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f for f in table.schema]
    )
    table = table.cast(schema)
    feather.write_feather(table, path, compression='uncompressed')


def rusage_json(phases: dict, extra: dict) -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {
        'maxRssKb': int(ru.ru_maxrss),  # kilobytes on Linux
        'userMs': round(ru.ru_utime * 1000),
        'systemMs': round(ru.ru_stime * 1000),
        'wallMs': round((time.perf_counter() - START) * 1000),
        'phasesMs': phases,
        **extra,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--input', required=True, help='transaction log (CSV or CSV.gz)')
    ap.add_argument('--out-dir', required=True, help='where transactions/train/valid/test go')
    ap.add_argument('--test-cutoff', default='2011-06-12', help='YYYY-MM-DD (00:00 UTC)')
    ap.add_argument('--step-days', type=int, default=28)
    ap.add_argument('--count', type=int, default=7, help='training cutoffs (the latest is valid)')
    ap.add_argument('--horizon-days', type=int, default=90)
    ap.add_argument('--cap-days', type=int, default=730)
    ap.add_argument('--data-params', help='JSON file with the data section of params.yaml')
    ap.add_argument('--rusage-out', help='write rusage and phase timings as JSON here')
    args = ap.parse_args()

    data = DEFAULT_DATA
    if args.data_params:
        with open(args.data_params, encoding='utf-8') as f:
            data = json.load(f)
    os.makedirs(args.out_dir, exist_ok=True)
    phases: dict[str, int] = {}

    def phase(name: str, t: float) -> None:
        phases[name] = round((time.perf_counter() - t) * 1000)
        log(f'{name} done in {phases[name] / 1000:.2f}s')

    log(f'read {args.input}')
    t = time.perf_counter()
    raw, bad_lines = read_log(args.input, data)
    phase('read', t)

    log(f'clean {len(raw):,} rows')
    t = time.perf_counter()
    tx, report, quarantine = clean(raw, bad_lines, data)
    del raw
    phase('clean', t)
    log('clean report ' + json.dumps(report))

    # The same outputs as fcv ingest: transactions, quarantine.csv and ingest-report.json.
    t = time.perf_counter()
    tx_path = os.path.join(args.out_dir, 'transactions.arrow')
    write_arrow(tx, tx_path)
    write_quarantine(quarantine, os.path.join(args.out_dir, 'quarantine.csv'))
    ingest_report(tx, report, os.path.join(args.out_dir, 'ingest-report.json'), args.input)
    del tx, quarantine
    phase('write_clean', t)

    cutoffs = plan_cutoffs(parse_day(args.test_cutoff), args.step_days, args.count,
                           args.horizon_days)
    log(f'features at {len(cutoffs)} cutoffs')
    t = time.perf_counter()
    tx = pd.read_feather(tx_path)
    frame, customers, countries = prepare(tx)
    del tx
    scale = 10 ** int(data.get('currency_exponent', 2))
    parts: dict[str, list[pd.DataFrame]] = {'train': [], 'valid': [], 'test': []}
    for t0, split in cutoffs:
        parts[split].append(
            features_at(frame, t0, args.horizon_days, float(args.cap_days), scale, customers,
                        countries)
        )
    splits = {k: pd.concat(v, ignore_index=True) for k, v in parts.items() if v}
    phase('features', t)

    t = time.perf_counter()
    rows = {}
    for name, df in splits.items():
        write_arrow(df, os.path.join(args.out_dir, f'{name}.arrow'))
        rows[name] = int(len(df))
    phase('write_features', t)
    log(f'rows per split {rows}')

    if args.rusage_out:
        with open(args.rusage_out, 'w', encoding='utf-8') as f:
            json.dump(rusage_json(phases, {'clean': report, 'splitRows': rows,
                                           'pandas': pd.__version__, 'pyarrow': pa.__version__,
                                           'python': sys.version.split()[0]}), f, indent=2)
    log(f'total {time.perf_counter() - START:.2f}s')


if __name__ == '__main__':
    main()
