// One line per document: its title (first heading) and its size in words.
export function digest(documents) {
  return documents
    .map(({ path, content }) => {
      const title = content.match(/^#\s+(.+)$/m)?.[1] ?? path;
      const words = content.split(/\s+/).filter(Boolean).length;
      return `${path}: ${title} (${words} words)`;
    })
    .join("\n");
}

export function receipt({ saved, digest }) {
  return { written: saved.path, bytes: saved.bytes, digest };
}
