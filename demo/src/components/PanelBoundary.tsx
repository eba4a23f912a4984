/** One view's failure stays in its panel: the rest of the page (and the call) goes on. */
import { Component, type ReactNode } from 'react';

interface State {
  failed: boolean;
}

export class PanelBoundary extends Component<{ name: string; children: ReactNode }, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="panel-failed" role="status">
        <p>Failed to show the {this.props.name}: it met data it could not display. Please reload the page if it does not come back.</p>
        <button type="button" onClick={() => this.setState({ failed: false })}>
          Try again
        </button>
      </div>
    );
  }
}
