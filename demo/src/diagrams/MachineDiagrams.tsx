// PLACEHOLDER by helper ui (viz owns this file): replaced by viz's MachineDiagrams at merge.
export function MachineDiagrams() {
  return (
    <section className="panel" data-testid="machine-diagrams" aria-label="State machines">
      <h2>State machines</h2>
      <p className="muted">The machine diagrams are coming.</p>
    </section>
  );
}
