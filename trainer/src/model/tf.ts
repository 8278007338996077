// The TensorFlow.js API the model code is written against: @tensorflow/tfjs, or @tensorflow/tfjs-node
// (which re-exports it on the native backend). The module is passed in, loaded by backend.ts.

import type * as tfjs from '@tensorflow/tfjs'

export type TF = typeof tfjs
