// The protocol entry (`realtime-mcp-proxy/protocol`): browser-safe. Every export here is public API.

/* Codecs */
export { decodeServerEvent, decodeClientEvent, encodeClientEvent } from './codec.js';
export type {
  CodecError,
  CodecErrorCode,
  CodecInput,
  DecodeClientEventOptions,
  DecodeResult,
  DecodedServerEvent,
  EncodeResult,
  UnknownServerEvent,
} from './codec.js';

/* Dialects */
export { betaEventNames } from './dialects.js';
export type { Dialect } from './dialects.js';

/* Transports */
export { createWebSocketTransport } from './websocketTransport.js';
export { createMemoryTransport } from './memoryTransport.js';
export type { MemoryTransport } from './memoryTransport.js';
export type { Authentication, WebSocketFactory, WebSocketInit, WebSocketLike, WebSocketTransportOptions } from './websocketTransport.js';
export { createWebRtcTransport } from './webrtcTransport.js';
export type { WebRtcTransport, WebRtcTransportOptions } from './webrtcTransport.js';
export type { ClientSecretSignaling, CustomSignaling, ExchangeSdp, ServerSignaling, WebRtcSdpAnswer, WebRtcSignaling } from './webrtcSignaling.js';
export type { MicrophoneOption } from './webrtcMicrophone.js';
export type { AudioElementLike, DataChannelLike, MediaStreamLike, MediaStreamTrackLike, PeerConnectionLike, SessionDescriptionLike, TrackEventLike } from './peerConnectionLike.js';
export type {
  FrameDirection,
  InboundEventMeta,
  RealtimeTransport,
  RealtimeTransportEventMap,
  SendResult,
  TransportCloseInfo,
  TransportState,
} from './transport.js';
export { DEFAULT_REALTIME_URL, azureRealtimeUrl, realtimeUrl } from './realtimeUrl.js';
export type { RealtimeTarget, RealtimeUrlOptions } from './realtimeUrl.js';

/* OpenAI Realtime REST: client secrets, calls and call control, webhooks */
export { DEFAULT_REALTIME_API_BASE_URL } from './realtimeApi.js';
export type { RealtimeApiErrorData, RealtimeApiFailure, RealtimeApiOptions } from './realtimeApi.js';
export { createClientSecret } from './clientSecrets.js';
export type { ClientSecret, CreateClientSecretOptions } from './clientSecrets.js';
export type { RealtimeSessionConfigInput } from './sessionBody.js';
export { CALL_ID_PATTERN, acceptCall, callIdFromLocation, createCall, hangupCall, isValidCallId, referCall, rejectCall } from './calls.js';
export type { CallControlOptions, CreateCallOptions, CreatedCall } from './calls.js';
export { DEFAULT_WEBHOOK_TOLERANCE_SECONDS, isRealtimeCallIncoming, verifyRealtimeWebhook } from './webhooks.js';
export type { RealtimeCallIncomingEvent, RealtimeOtherWebhookEvent, RealtimeWebhookEvent, VerifyRealtimeWebhookOptions, WebhookInvalidReason } from './webhooks.js';

/* Generated event and shape types */
export type * from './generated/types.js';
