import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadRemembered, takeHashSecrets } from './api/pageSecrets';
import './styles.css';

// The fragment goes first, before anything could read or log the address.
const fromHash = takeHashSecrets(window.location, window.history);
let storage: Storage | undefined;
try {
  storage = window.sessionStorage;
} catch {
  storage = undefined;
}
const remembered = loadRemembered(storage);
const token = fromHash.token ?? remembered.token;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App token={token} openAiKey={remembered.openAiKey} remembered={remembered.token !== undefined || remembered.openAiKey !== undefined} mcpUrls={fromHash.mcpUrls} storage={storage} />
  </StrictMode>,
);
