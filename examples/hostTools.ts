import { setTimeout as sleep } from 'node:timers/promises';
import { hostTool } from 'realtime-mcp-proxy';
import { createNodeRealtimeMcpProxy } from 'realtime-mcp-proxy/node';
import { z } from 'zod';

const lights = new Map<string, boolean>();

// A Standard Schema (zod 4 gives its JSON Schema itself; others: add `jsonSchema`), or a JSON Schema object.
const setLights = hostTool({
  name: 'set_lights',
  description: 'Turns the lights of a room on or off.',
  parameters: z.object({ room: z.enum(['kitchen', 'living room']), on: z.boolean() }),
  execute: ({ room, on }) => {
    lights.set(room, on);
    return `The ${room} lights are ${on ? 'on' : 'off'}.`; // a string as it is; anything else as JSON
  },
});

const searchFlights = hostTool({
  name: 'search_flights',
  parameters: { type: 'object', properties: { to: { type: 'string' } }, required: ['to'] },
  timeoutMs: 8_000, // then `timeouts.defaultMs`, then 30 s
  bargeIn: 'cancel', // the user speaks: `signal` aborts (default 'finish': the answer is delivered late)
  approval: 'always', // ask the host first, whatever `approval.mode` says
  execute: async ({ to }, { signal }) => {
    await sleep(500, undefined, { signal }); // stands for a real search, which stops when `signal` aborts
    return { to, flights: [{ departs: '09:40', price: 129 }] };
  },
});

const proxy = createNodeRealtimeMcpProxy({
  apiKey: process.env.OPENAI_API_KEY,
  servers: [{ label: 'docs', url: 'https://mcp.example.com/mcp' }],
  hostTools: [setLights, searchFlights],
  approval: { onRequest: (request) => request.functionName === 'search_flights' },
});

proxy.on('toolCall.ended', ({ functionName, code, result }) => console.log(functionName, code, result?.source)); // 'host' or 'mcp'
await proxy.start();
