/**
 * The e2e harness fails a test in which the proxy attempted a send its own encoder refused: such a
 * send never goes out, so a test that only looks at what arrived could otherwise pass.
 */
import { expect, it } from 'vitest';
import { lookup, mockConfig } from './mockTools.js';
import { failOnRefusedSends, startE2E, useE2E, waitFor } from './support.js';

useE2E();

it('a session.update the encoder refuses fails the test, naming the refused event', async () => {
  // A session field the Realtime API does not have: the proxy forwards it, its encoder refuses the update.
  const e2e = await startE2E({ mock: mockConfig([lookup]), proxy: { session: { not_a_session_field: true } as never }, script: [{ user: 'Hello.' }] });
  await waitFor(() => e2e.errors.some((error) => error.code === 'invalid_event'), 'the proxy to report the refused session.update');
  expect(e2e.sim.clientEvents.filter((event) => event.type === 'session.update')).toEqual([]); // nothing went out
  // What the afterEach does: here it must throw, and then find nothing left to fail the test with.
  expect(() => failOnRefusedSends()).toThrow(/1 send\(s\) its encoder refused[\s\S]*\/session\/not_a_session_field[\s\S]*The refused event: \{"type":"session.update"/);
  expect(() => failOnRefusedSends()).not.toThrow();
});
