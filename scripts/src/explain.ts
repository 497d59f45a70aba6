/**
 * What the command-line client tells a person when a call fails: one sentence in plain words per
 * `ClientError` code, with the problem the refusing service answered (its title and detail, fixed
 * text written by the service) when there is one, and what to do next. Only a failure to reach
 * the relay or the issuer suggests starting the stack.
 */
import { ClientError, ClientErrorCode } from "@oblivious/client";

export interface Endpoints {
  readonly relayUrl: string;
  readonly issuerUrl: string;
}

const START_HINT = "Is the stack running? Start it with: npm start";

function problemText(error: ClientError): string | undefined {
  const problem = error.problem;
  if (problem === undefined) return undefined;
  const title = problem.title ?? problem.type;
  return problem.detail === undefined ? title : `${title}: ${problem.detail}`;
}

/** The message for a failed call; `what` names the call ("the search"). */
export function explainFailure(error: unknown, what: string, endpoints: Endpoints): string {
  if (!(error instanceof ClientError)) return `${what} failed: ${error instanceof Error ? error.message : "unknown error"}`;
  const problem = problemText(error);
  const because = problem === undefined ? "" : ` (${problem})`;
  switch (error.code) {
    case ClientErrorCode.Network:
      return `cannot reach the relay at ${endpoints.relayUrl} or the issuer at ${endpoints.issuerUrl}. ${START_HINT}`;
    case ClientErrorCode.RequestFailed:
      return problem === undefined ? `${what} was refused with status ${error.status ?? "unknown"}.` : `${what} was refused: ${problem}.`;
    case ClientErrorCode.RateLimited:
      return `this device has used its tokens for now${error.retryAfterSeconds === undefined ? "" : `; try again in ${error.retryAfterSeconds} s`}.`;
    case ClientErrorCode.CredentialRejected:
      return `the issuer at ${endpoints.issuerUrl} refused the device credential${because}. Is SEARCH_CREDENTIAL one of its credentials, and unexpired?`;
    case ClientErrorCode.IssuanceFailed:
      return `the issuer at ${endpoints.issuerUrl} could not issue tokens${because}.`;
    case ClientErrorCode.RelayFailed:
      return `the relay at ${endpoints.relayUrl} refused the request${because}.`;
    case ClientErrorCode.KeysUnavailable:
      return `the gateway's keys could not be fetched through the relay at ${endpoints.relayUrl}${because}.`;
    case ClientErrorCode.KeyRejected:
      return "the gateway refused its own published key twice: its keys are changing; try again in a minute.";
    case ClientErrorCode.DateRejected:
      return "the gateway refused this device's clock twice; check the date and time.";
    case ClientErrorCode.DirectoryFailed:
      return `the issuer directory could not be fetched through the relay at ${endpoints.relayUrl}${because}.`;
    case ClientErrorCode.UntrustedChallenge:
      return "the service asked for a token from an issuer key this client does not trust.";
    case ClientErrorCode.InvalidResponse:
      return "an answer could not be read (a relay, gateway or service sent something malformed).";
    case ClientErrorCode.InvalidArgument:
      return `invalid argument: ${error.message}.`;
  }
}
