/**
 * A background pass that can be woken at any time: wakes that come while it runs are merged
 * into one more pass, never run in parallel. Workers (delivery, webhooks) are built on it.
 */
export interface CoalescingRunner {
  wake(): void;
  running(): boolean;
  /** No more passes; resolves when the current one ends. */
  close(): Promise<void>;
}

export function coalescingRunner(
  pass: () => Promise<void>,
  onError: (err: unknown) => void,
  onQuiet?: () => void,
): CoalescingRunner {
  let current: Promise<void> | null = null;
  let again = false;
  let closed = false;
  const wake = (): void => {
    if (closed) return;
    if (current) {
      again = true;
      return;
    }
    again = false;
    current = pass()
      .catch(onError)
      .finally(() => {
        current = null;
        if (again) wake();
        else onQuiet?.();
      });
  };
  return {
    wake,
    running: () => current !== null,
    close: async () => {
      closed = true;
      await current;
    },
  };
}
