// The ESM entry point has the same typings, and a default export.
import rudderGroup, { Client, type GroupParams } from 'rudder-group'

const params: GroupParams = { groupId: 'g', userId: 'u' }
const client: Client = new rudderGroup.Client({ writeKey: 'k', transport: 'memory' })
const id: string = client.group(params)
console.log(id, Client)
