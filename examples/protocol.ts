import { decodeServerEvent, encodeClientEvent } from 'realtime-mcp-proxy';

// A frame as it arrives from the Realtime API: the model finished a function call.
const frame = JSON.stringify({
  type: 'response.output_item.done',
  event_id: 'event_1',
  response_id: 'resp_1',
  output_index: 0,
  item: { id: 'item_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
});

const decoded = decodeServerEvent(frame);
if (decoded.ok && decoded.event.type === 'response.output_item.done' && decoded.event.item.type === 'function_call') {
  const { name, call_id, arguments: args } = decoded.event.item;
  console.log(`call ${call_id}: ${name}(${args})`);
}

// The answer, validated before it becomes text: an invalid client event is never sent.
const reply = encodeClientEvent({
  type: 'conversation.item.create',
  item: { type: 'function_call_output', call_id: 'call_1', output: '{"temp_c":18}' },
});
console.log(reply.ok ? reply.text : reply.error.message);

// A beta-era field name is caught here instead of being ignored by the server.
const typo = encodeClientEvent({ type: 'response.create', response: { modalities: ['audio'] } } as never);
console.log(typo.ok ? typo.text : `${typo.error.code} at ${typo.error.path}`);
