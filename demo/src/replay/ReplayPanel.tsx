// PLACEHOLDER by helper ui (viz owns this file): replaced by viz's ReplayPanel at merge.
export interface ReplayPanelProps {
  onReplay: (sessionId: string) => void;
}

export function ReplayPanel(_props: ReplayPanelProps) {
  return (
    <section data-testid="replay" aria-label="Replay">
      <h2>Replay</h2>
      <p className="muted">Replaying recordings is coming.</p>
    </section>
  );
}
