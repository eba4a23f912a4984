/** Dark or light: the system's choice until the user picks, then theirs (kept in localStorage: not a secret). */
import { useEffect, useState } from 'react';

type Theme = 'dark' | 'light';

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem('realtime-mcp-proxy.demo.theme');
    if (saved === 'dark' || saved === 'light') return saved;
  } catch {
    // No storage: the system's choice.
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      data-testid="theme-toggle"
      aria-label={`Switch to the ${next} theme`}
      onClick={() => {
        setTheme(next);
        try {
          localStorage.setItem('realtime-mcp-proxy.demo.theme', next);
        } catch {
          // Not kept: fine.
        }
      }}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}
