/** What is wrong with the MCP servers, and what to do: from the listing and its failure. */
import type { DoctorProblem } from '../model/doctor';

export function DoctorPanel({ problems }: { problems: readonly DoctorProblem[] }) {
  return (
    <section className="panel" data-testid="doctor" aria-labelledby="doctor-title">
      <div className="panel-title">
        <h2 id="doctor-title">Doctor</h2>
        <span className="muted">{problems.length === 0 ? 'no problem found' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`}</span>
      </div>
      {problems.length > 0 && (
        <ul className="problems">
          {problems.map((problem, index) => (
            <li key={index} data-testid="doctor-problem" data-kind={problem.kind}>
              <strong>{problem.server ? `${problem.server}: ` : ''}{label(problem.kind)}</strong>
              <p>{problem.what}</p>
              <p className="fix">What to do: {problem.fix}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function label(kind: DoctorProblem['kind']): string {
  switch (kind) {
    case 'transport':
      return 'cannot connect';
    case 'auth':
      return 'authentication';
    case 'protocol':
      return 'protocol version';
    case 'refused':
      return 'refused by serve';
    case 'no-tools':
      return '0 tools';
    case 'tool-limit':
      return 'over the tool limit';
    case 'dropped':
      return 'tool left out';
    default:
      return 'problem';
  }
}
