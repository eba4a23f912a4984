/**
 * The page's call as React state: idle → connecting → live → ended, the microphone (for the level
 * meter), the model's stream, mute and push-to-talk; and following a replay's session through the
 * same feed.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { McpServerRequest, ServeClient } from '../api/serveClient';
import type { Feed } from '../model/feed';
import { startCall, type Call } from './startCall';

export type SessionState = 'idle' | 'connecting' | 'live' | 'ended';

export interface CallControls {
  state: SessionState;
  sessionId: string | undefined;
  microphone: MediaStream | undefined;
  remoteStream: MediaStream | undefined;
  muted: boolean;
  talking: boolean;
  pushToTalk: boolean;
  setPushToTalk(on: boolean): void;
  start(request: { mcpServers: McpServerRequest[]; tools?: string[]; openAiKey?: string; offline?: boolean }): Promise<void>;
  hangUp(): Promise<void>;
  mute(on: boolean): void;
  setTalking(on: boolean): void;
  sendText(text: string): void;
  /** Follows a replay's session (the feed is cleared first). */
  followReplay(sessionId: string): void;
}

export function useCall(client: ServeClient | undefined, feed: Feed, report: (error: unknown) => void): CallControls {
  const [state, setState] = useState<SessionState>('idle');
  const [sessionId, setSessionId] = useState<string>();
  const [microphone, setMicrophone] = useState<MediaStream>();
  const [remoteStream, setRemoteStream] = useState<MediaStream>();
  const [muted, setMuted] = useState(false);
  const [talking, setTalkingState] = useState(false);
  const [pushToTalk, setPushToTalk] = useState(false);
  const call = useRef<Call | undefined>(undefined);
  const replay = useRef<AbortController | undefined>(undefined);
  const mic = useRef<MediaStream | undefined>(undefined);
  const attempts = useRef(0);

  const releaseMic = useCallback(() => {
    for (const track of mic.current?.getTracks() ?? []) track.stop();
    mic.current = undefined;
    setMicrophone(undefined);
  }, []);

  const hangUp = useCallback(async () => {
    // A call still connecting is abandoned: its start sees the attempt changed and undoes itself.
    attempts.current += 1;
    const current = call.current;
    call.current = undefined;
    replay.current?.abort();
    replay.current = undefined;
    await current?.hangUp();
    releaseMic();
    setRemoteStream(undefined);
    setTalkingState(false);
    setState((previous) => (previous === 'idle' ? 'idle' : 'ended'));
  }, [releaseMic]);

  const start = useCallback<CallControls['start']>(
    async (request) => {
      if (client === undefined) {
        report(new Error('Failed to connect: the page has no access token for serve. Please open the address serve printed (it ends in #token=…).'));
        return;
      }
      if (call.current !== undefined || state === 'connecting') return;
      replay.current?.abort();
      feed.clear();
      setState('connecting');
      setMuted(false);
      const attempt = ++attempts.current;
      const abandoned = () => attempts.current !== attempt;
      try {
        let stream: MediaStream;
        try {
          stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        } catch (error) {
          const name = error instanceof Error ? error.name : '';
          throw new Error(
            name === 'NotAllowedError'
              ? 'Failed to open the microphone: access was refused. Please allow the microphone for this page, or type in the text box instead.'
              : 'Failed to open the microphone: none could be opened. Please connect one and try again.',
          );
        }
        if (abandoned()) {
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        mic.current = stream;
        setMicrophone(stream);
        const started = await startCall({
          client,
          // An abandoned attempt's late events never reach the feed of the call that replaced it.
          feed: { push: (event) => (abandoned() ? undefined : feed.push(event)) },
          ...request,
          pushToTalk,
          microphone: stream,
          onSession: setSessionId,
          onRemoteStream: setRemoteStream,
          onEnded: () => {
            if (abandoned()) return;
            call.current = undefined;
            releaseMic();
            setState('ended');
          },
          onError: (error) => {
            if (!abandoned()) report(error);
          },
        });
        if (abandoned()) {
          await started.hangUp();
          return;
        }
        call.current = started;
        setState('live');
      } catch (error) {
        if (abandoned()) return;
        call.current = undefined;
        releaseMic();
        setState('ended');
        report(error);
      }
    },
    [client, feed, pushToTalk, releaseMic, report, state],
  );

  const mute = useCallback((on: boolean) => {
    call.current?.transport.mute(on);
    setMuted(on);
  }, []);

  const setTalking = useCallback(
    (on: boolean) => {
      const current = call.current;
      if (current === undefined || !pushToTalk) return;
      const result = current.transport.setTalking(on);
      if (!result.ok) report(result.error);
      setTalkingState(on);
    },
    [pushToTalk, report],
  );

  const sendText = useCallback(
    (text: string) => {
      const current = call.current;
      if (current === undefined) {
        report(new Error('Failed to send the message: there is no call. Please connect first.'));
        return;
      }
      const failure =
        current.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } }) ?? current.send({ type: 'response.create' });
      if (failure) report(failure);
    },
    [report],
  );

  const followReplay = useCallback(
    (replayId: string) => {
      if (client === undefined) return;
      // The call (if any) ends without its state change: the replay's session takes the page over.
      const current = call.current;
      call.current = undefined;
      void current?.hangUp();
      releaseMic();
      setRemoteStream(undefined);
      replay.current?.abort();
      const controller = new AbortController();
      replay.current = controller;
      feed.clear();
      setSessionId(replayId);
      setState('live');
      client
        .followEvents(replayId, (event) => feed.push({ type: event.type, at: event.at, data: event.data, origin: 'serve' }), controller.signal)
        .then(() => {
          if (replay.current === controller) setState('ended');
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          setState('ended');
          report(error);
        });
    },
    [client, feed, releaseMic, report],
  );

  // Leaving the page ends the call: the microphone and the peer connection are released.
  useEffect(() => () => void call.current?.hangUp(), []);

  return { state, sessionId, microphone, remoteStream, muted, talking, pushToTalk, setPushToTalk, start, hangUp, mute, setTalking, sendText, followReplay };
}
