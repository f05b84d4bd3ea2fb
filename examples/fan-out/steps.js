// Timers stand in for slow remote calls, so parallelism and progress are visible; each honours the AbortSignal.
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

export function listRegions(regions) {
  return Array.isArray(regions) && regions.length > 0 ? regions : ["eu-west", "us-east", "ap-south"];
}

export async function fetchFigures({ region, position }, { signal }) {
  await sleep(400 + 100 * position, signal);
  const seed = [...region].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  return { region, revenue: seed * 17, orders: seed % 97 };
}

export async function benchmark(_input, { signal }) {
  await sleep(300, signal);
  return { revenue: 10000 };
}

// Fails on its first attempt, like a remote endpoint with a hiccup; the step's retry policy gets it through.
export async function flakyUpload(figures, { attempt, signal }) {
  await sleep(150, signal);
  if (attempt === 1) throw new Error("upload endpoint answered 503");
  return { uploaded: figures.length, attempt };
}

export function summarise({ figures, benchmark, receipt }) {
  const total = figures.reduce((sum, f) => sum + f.revenue, 0);
  return {
    regions: figures.map((f) => f.region),
    total_revenue: total,
    above_benchmark: figures.filter((f) => f.revenue > benchmark.revenue).map((f) => f.region),
    uploaded_on_attempt: receipt.attempt,
  };
}
