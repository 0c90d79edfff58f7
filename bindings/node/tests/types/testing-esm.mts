// rudder-group/testing's ESM entry point: the same classes, named and on the default export.
import testing, { LocalDataPlane, type Fault } from 'rudder-group/testing'

const plane: LocalDataPlane = await testing.LocalDataPlane.start()
const fault: Fault = { status: 503, next: 2 }
await plane.fault(fault)
await plane.stop()
console.log(LocalDataPlane)
