/**
 * The datastore's errors. The message strings are the reference's, byte for byte: old CNI
 * plugins and operators' log searches string-match them (the plugin treats any error containing
 * `datastore: unknown pod` as a successful DEL). Code in this project branches on `code` instead.
 */

export const ERR_DUPLICATE_ENI = 'data store: duplicate ENI';
export const ERR_IP_ALREADY_IN_STORE = 'datastore: IP already in data store';
export const ERR_UNKNOWN_IP = 'datastore: unknown IP';
export const ERR_IP_IN_USE = 'datastore: IP is used and can not be deleted';
export const ERR_ENI_IN_USE = 'datastore: ENI is used and can not be deleted';
export const ERR_UNKNOWN_ENI = 'datastore: unknown ENI';
export const ERR_UNKNOWN_POD = 'datastore: unknown pod';
export const ERR_NO_AVAILABLE_IP = 'AssignPodIPAddress: no available IP/Prefix addresses';
/** Ours: the reference cannot hit it (its assign is idempotent by key); only restore can. */
export const ERR_DUPLICATE_KEY = 'datastore: IPAM key already has an address';

export type DatastoreErrorCode =
  | 'duplicate-eni'
  | 'ip-already-in-store'
  | 'unknown-ip'
  | 'ip-in-use'
  | 'eni-in-use'
  | 'unknown-eni'
  | 'unknown-pod'
  | 'no-available-ip'
  | 'duplicate-key';

export const DATASTORE_ERROR_MESSAGES: Readonly<Record<DatastoreErrorCode, string>> = {
  'duplicate-eni': ERR_DUPLICATE_ENI,
  'ip-already-in-store': ERR_IP_ALREADY_IN_STORE,
  'unknown-ip': ERR_UNKNOWN_IP,
  'ip-in-use': ERR_IP_IN_USE,
  'eni-in-use': ERR_ENI_IN_USE,
  'unknown-eni': ERR_UNKNOWN_ENI,
  'unknown-pod': ERR_UNKNOWN_POD,
  'no-available-ip': ERR_NO_AVAILABLE_IP,
  'duplicate-key': ERR_DUPLICATE_KEY,
};

/** An expected datastore refusal; `message` is exactly the reference's text for `code`. */
export class DatastoreError extends Error {
  readonly code: DatastoreErrorCode;

  constructor(code: DatastoreErrorCode) {
    super(DATASTORE_ERROR_MESSAGES[code]);
    this.name = 'DatastoreError';
    this.code = code;
  }
}

export function isDatastoreError(
  error: unknown,
  code?: DatastoreErrorCode,
): error is DatastoreError {
  return error instanceof DatastoreError && (code === undefined || error.code === code);
}
