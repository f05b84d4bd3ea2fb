import { useEffect, useState } from "preact/hooks";

const BASE = "/ui";

/** The page's path below /ui, e.g. `/executions/ID`. */
export function currentRoute(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path === "" ? "/" : path;
}

export function navigate(route: string): void {
  history.pushState(null, "", `${BASE}${route}`);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function href(route: string): string {
  return `${BASE}${route}`;
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  return route;
}

/** Same-page navigation for plain links (ctrl/middle click still opens a new tab). */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as HTMLElement).closest("a");
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
  event.preventDefault();
  navigate(url.pathname.slice(BASE.length) + url.search);
}
