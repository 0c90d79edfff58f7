// Every line marked `// refused` must fail to compile, and no other line may.
import { Client, GroupEvent, type GroupParams } from 'rudder-group'

const client = new Client({ writeKey: 'k', transport: 'memory' })
const traits = { name: 'MyGroup' }

client.group({ userId: 'u1', traits }) // refused
client.group({ anonymousId: 'a1' }) // refused
client.group({ groupId: '12345', traits }) // refused
client.group({ groupId: '12345' }) // refused
client.group({ groupId: '12345', userId: undefined, anonymousId: undefined }) // refused
GroupEvent.build({ groupId: 'g' }) // refused
const params: GroupParams = { groupId: 'g' } // refused
const overHttp = new Client({ writeKey: 'k' }) // refused

client.group({ groupId: '12345', userId: 'u1', traits })
client.group({ groupId: '12345', anonymousId: 'a1' })
console.log(params, overHttp)
