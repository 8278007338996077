// vitest globalSetup: the trainer's, which starts one real MLflow server on a free loopback port
// and hands it to test files as inject('mlflowUri') (its ProvidedContext declaration comes along).
export { default } from '../../trainer/src/mlflow/global-setup.ts'
