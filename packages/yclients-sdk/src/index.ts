export { redactAuthorization, redactSecrets } from './redact';
