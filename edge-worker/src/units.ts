// The units of a prediction are core's, shared with the widget.
export { describeUnits, sameUnits, unitsOf, type PredictionUnits } from '@fcv/core'
