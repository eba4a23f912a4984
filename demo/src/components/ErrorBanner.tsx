/** The page's failures, one at a time, in the words serve or the library used (already without secrets). */
export function ErrorBanner({ message, onDismiss }: { message: string | undefined; onDismiss: () => void }) {
  if (message === undefined) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <p>{message}</p>
      <button type="button" aria-label="Dismiss the error" onClick={onDismiss}>
        ✕
      </button>
    </div>
  );
}
