// PLACEHOLDER by helper ui (viz owns this file): replaced by viz's MachineDiagrams at merge.
export function MachineDiagrams() {
  return (
    <section data-testid="machine-diagrams" aria-label="State machines">
      <p className="muted">The machine diagrams are coming.</p>
    </section>
  );
}
