/** A node of the actor tree: its first child and its siblings, an intrusive list so no parent needs a Set of its own. */
export interface TreeNode<C extends TreeNode<C>> {
  firstChild: C | undefined;
  prevSibling: C | undefined;
  nextSibling: C | undefined;
}

/** Puts `child` first among `parent`'s children. */
export function addChild<C extends TreeNode<C>>(parent: C, child: C): void {
  child.nextSibling = parent.firstChild;
  if (parent.firstChild !== undefined) parent.firstChild.prevSibling = child;
  parent.firstChild = child;
}

/** Takes `child` out of `parent`'s children. */
export function removeChild<C extends TreeNode<C>>(parent: C, child: C): void {
  if (child.prevSibling !== undefined) child.prevSibling.nextSibling = child.nextSibling;
  else if (parent.firstChild === child) parent.firstChild = child.nextSibling;
  if (child.nextSibling !== undefined) child.nextSibling.prevSibling = child.prevSibling;
  child.prevSibling = child.nextSibling = undefined;
}

/** `parent`'s children now, newest first: a copy, so stopping them (which unlinks each) is safe. */
export function childrenOf<C extends TreeNode<C>>(parent: C): C[] {
  const children: C[] = [];
  for (let child = parent.firstChild; child !== undefined; child = child.nextSibling) children.push(child);
  return children;
}
