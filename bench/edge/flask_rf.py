"""The seed project's serving stack, for the edge benchmark's side-by-side: Flask + scikit-learn
RandomForestRegressor(1000 trees) scoring the same feature vectors fcv's worker scores.

    python bench/edge/flask_rf.py --train data/processed/train.arrow --port 5077 [--workers 2]

Trains on the feature table fcv wrote (numeric features; country as its category code), then
serves POST /predict {"customers": [{"customerId": "...", "features": [..numeric..]}]} ->
{"predictions": [{"customerId": "...", "expected": x}]} with gunicorn (Flask's recommended
production server), bound to 127.0.0.1 only.
"""

import argparse
import json
import sys
import time

import numpy as np
import pyarrow.ipc as ipc
from flask import Flask, jsonify, request
from sklearn.ensemble import RandomForestRegressor

NON_FEATURES = {"customer_id", "cutoff", "label", "label_minor", "country"}


def load(path):
    table = ipc.open_file(path).read_all()
    names = [n for n in table.schema.names if n not in NON_FEATURES]
    x = np.column_stack([table.column(n).to_numpy(zero_copy_only=False).astype(np.float64) for n in names])
    y = table.column("label").to_numpy(zero_copy_only=False).astype(np.float64)
    return names, np.nan_to_num(x), y


def build_app(model, width):
    app = Flask(__name__)

    @app.post("/predict")
    def predict():
        body = request.get_json(force=True)
        customers = body.get("customers", [])
        x = np.asarray([c["features"] for c in customers], dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != width:
            return jsonify({"error": f"features must be {width} numbers per customer"}), 400
        yhat = model.predict(x)
        return jsonify({"predictions": [{"customerId": c["customerId"], "expected": float(v)} for c, v in zip(customers, yhat)]})

    @app.get("/health")
    def health():
        return "ok"

    return app


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--trees", type=int, default=1000)
    args = ap.parse_args()
    names, x, y = load(args.train)
    t0 = time.time()
    model = RandomForestRegressor(n_estimators=args.trees, n_jobs=-1, random_state=0, min_samples_leaf=2)
    model.fit(x, y)
    model.n_jobs = 1  # serving: one request per worker process, as a Flask deployment runs it
    print(json.dumps({"trained_s": round(time.time() - t0, 1), "rows": len(y), "features": names}), flush=True)
    app = build_app(model, x.shape[1])

    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"127.0.0.1:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("preload_app", True)  # workers fork with the trained model in memory
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")

        def load(self):
            return app

    Server().run()


if __name__ == "__main__":
    sys.exit(main())
