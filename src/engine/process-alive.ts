/** Whether a process with this pid exists on this machine (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  // kill(0) and negative pids signal process groups: they say nothing about one process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
