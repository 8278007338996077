"""Reads a registration back with MLflow's own Python client, as an MLflow user would.

Usage: MLFLOW_TRACKING_URI=... python read-back.py MODEL_NAME ALIAS OUT_DIR
Prints one JSON document; downloads the run's artifacts to OUT_DIR/run and the model version's
files (models:/NAME@ALIAS) to OUT_DIR/model.
"""

import json
import os
import sys

import mlflow
from mlflow import MlflowClient


def walk(client, run_id, path=None):
    out = []
    for f in client.list_artifacts(run_id, path):
        if f.is_dir:
            out.extend(walk(client, run_id, f.path))
        else:
            out.append({"path": f.path, "size": f.file_size})
    return out


def main():
    name, alias, out_dir = sys.argv[1:4]
    client = MlflowClient()
    mv = client.get_model_version_by_alias(name, alias)
    run = client.get_run(mv.run_id)
    history = {
        key: [{"step": m.step, "value": m.value} for m in client.get_metric_history(run.info.run_id, key)]
        for key in ("train/loss", "train/val_loss")
    }
    run_dir = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=os.path.join(out_dir, "run"))
    model_dir = mlflow.artifacts.download_artifacts(
        artifact_uri=f"models:/{name}@{alias}", dst_path=os.path.join(out_dir, "model")
    )
    datasets = [
        {"name": d.dataset.name, "digest": d.dataset.digest, "source_type": d.dataset.source_type,
         "context": {t.key: t.value for t in d.tags}.get("mlflow.data.context")}
        for d in run.inputs.dataset_inputs
    ]
    outputs = [o.model_id for o in (run.outputs.model_outputs if run.outputs else [])]
    print(json.dumps({
        "version": {"name": mv.name, "version": mv.version, "run_id": mv.run_id, "source": mv.source,
                    "tags": mv.tags, "aliases": list(mv.aliases), "status": mv.status},
        "run": {"status": run.info.status, "run_name": run.info.run_name,
                "experiment": client.get_experiment(run.info.experiment_id).name,
                "params": run.data.params, "metrics": run.data.metrics, "tags": run.data.tags,
                "history": history, "datasets": datasets, "outputs": outputs},
        "run_artifacts": walk(client, run.info.run_id),
        "run_dir": run_dir,
        "model_dir": model_dir,
        "model_files": sorted(os.listdir(model_dir)),
    }))


if __name__ == "__main__":
    main()
