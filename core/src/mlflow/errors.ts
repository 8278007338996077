/**
 * Every failed MLflow call: which call, the HTTP status (absent when the server was never reached)
 * and the server's `error_code`, so a user can tell a typo from an outage from a permission problem.
 */
export class MlflowError extends Error {
  override name = 'MlflowError'
  /** The call as `METHOD path`, e.g. `POST /api/2.0/mlflow/runs/create`. */
  readonly call: string
  readonly status: number | undefined
  /** MLflow's error code, e.g. `RESOURCE_DOES_NOT_EXIST`, when the server sent one. */
  readonly errorCode: string | undefined
  constructor(
    call: string,
    message: string,
    status?: number,
    errorCode?: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.call = call
    this.status = status
    this.errorCode = errorCode
  }
}

/** Bad configuration or input found before any call is made. */
export class MlflowConfigError extends Error {
  override name = 'MlflowConfigError'
}
