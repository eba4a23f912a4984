/**
 * Talking to the model: the microphone (starts the call), mute, voice activity or push-to-talk
 * (hold the button or Space), the input level, the model's audio, and a text box.
 */
import { useEffect, useRef, useState } from 'react';
import { levelOf } from '../session/level';
import type { CallControls } from '../session/useCall';

export function TalkPanel({ call, onStart }: { call: CallControls; onStart: () => void }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [text, setText] = useState('');
  const live = call.state === 'live';
  const level = useInputLevel(call.microphone);

  useEffect(() => {
    const element = audio.current;
    if (element === null) return;
    element.srcObject = call.remoteStream ?? null;
    if (call.remoteStream) void element.play().catch(() => undefined);
  }, [call.remoteStream]);

  // Hold Space to talk, unless typing somewhere.
  const { pushToTalk, setTalking } = call;
  useEffect(() => {
    if (!live || !pushToTalk) return;
    const typing = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON'].includes(target.tagName));
    const down = (event: KeyboardEvent) => {
      if (event.code !== 'Space' || event.repeat || typing(event.target)) return;
      event.preventDefault();
      setTalking(true);
    };
    const up = (event: KeyboardEvent) => {
      if (event.code !== 'Space' || typing(event.target)) return;
      event.preventDefault();
      setTalking(false);
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, [live, pushToTalk, setTalking]);

  const hold = (on: boolean) => () => setTalking(on);

  return (
    <section className="panel" data-testid="talk" aria-labelledby="talk-title">
      <div className="panel-title">
        <h2 id="talk-title">Talk</h2>
      </div>
      <div className="talk-row">
        <button type="button" className={`mic ${live ? 'mic-live' : ''}`} data-testid="mic" aria-label={live ? 'Hang up' : call.state === 'connecting' ? 'Cancel the call' : 'Start talking (connects)'} onClick={live || call.state === 'connecting' ? () => void call.hangUp() : onStart}>
          {live || call.state === 'connecting' ? (
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
              <rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor" />
            </svg>
          ) : (
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
              <rect x="9" y="3" width="6" height="11" rx="3" fill="currentColor" />
              <path d="M5 11a7 7 0 0 0 14 0M12 18v3M8 21h8" />
            </svg>
          )}
        </button>
        <button type="button" data-testid="mute" aria-pressed={call.muted} disabled={!live} onClick={() => call.mute(!call.muted)}>
          {call.muted ? 'Unmute' : 'Mute'}
        </button>
        <fieldset className="inline" disabled={call.state === 'connecting' || live}>
          <legend className="visually-hidden">How your turn ends</legend>
          <label className="check">
            <input type="radio" name="turns" checked={!call.pushToTalk} onChange={() => call.setPushToTalk(false)} />
            <span>Voice activity</span>
          </label>
          <label className="check">
            <input type="radio" name="turns" checked={call.pushToTalk} onChange={() => call.setPushToTalk(true)} />
            <span>Push to talk</span>
          </label>
        </fieldset>
      </div>
      <div className="talk-row">
        <button
          type="button"
          data-testid="push-to-talk"
          aria-pressed={call.talking}
          aria-label="Hold to talk (or hold Space)"
          disabled={!live || !call.pushToTalk}
          onPointerDown={hold(true)}
          onPointerUp={hold(false)}
          onPointerLeave={() => call.talking && setTalking(false)}
          onKeyDown={(event) => {
            if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
              event.preventDefault();
              setTalking(true);
            }
          }}
          onKeyUp={(event) => {
            if (event.key === ' ' || event.key === 'Enter') {
              event.preventDefault();
              setTalking(false);
            }
          }}
        >
          {call.talking ? 'Talking…' : 'Hold to talk'}
        </button>
        <label className="field grow meter-field">
          <span>Microphone level</span>
          <meter data-testid="level-meter" min={0} max={1} low={0.3} high={0.8} optimum={0.5} value={level} aria-label="Microphone level" />
        </label>
      </div>
      <audio ref={audio} data-testid="remote-audio" autoPlay aria-label="The model's voice" />
      <form
        className="actions"
        onSubmit={(event) => {
          event.preventDefault();
          const message = text.trim();
          if (message === '') return;
          call.sendText(message);
          setText('');
        }}
      >
        <label className="field grow">
          <span className="visually-hidden">Message to the model</span>
          <input data-testid="text-input" placeholder={live ? 'Type instead of speaking' : 'Connect to send a message'} value={text} maxLength={4000} onChange={(event) => setText(event.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="text-send" disabled={!live}>
          Send
        </button>
      </form>
    </section>
  );
}

/** The microphone's level, read with an AnalyserNode about 20 times a second. */
function useInputLevel(stream: MediaStream | undefined): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (stream === undefined || typeof AudioContext === 'undefined') {
      setLevel(0);
      return;
    }
    let context: AudioContext;
    try {
      context = new AudioContext();
    } catch {
      return;
    }
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    const source = context.createMediaStreamSource(stream);
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      setLevel(levelOf(samples));
    }, 50);
    return () => {
      clearInterval(timer);
      source.disconnect();
      void context.close().catch(() => undefined);
      setLevel(0);
    };
  }, [stream]);
  return level;
}
