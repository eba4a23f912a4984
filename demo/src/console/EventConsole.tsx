// PLACEHOLDER by helper ui (viz owns this file): replaced by viz's EventConsole at merge.
export function EventConsole() {
  return (
    <section data-testid="event-console" aria-label="Event console">
      <p className="muted">The event console is coming.</p>
    </section>
  );
}
