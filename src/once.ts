/** `fn`, to be run at most once: a release handed out may be called again, and later calls do nothing. */
export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
