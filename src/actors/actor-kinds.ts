import { InvalidActorOptionError, UnknownActorKindError } from "./errors.js";
import type { ActorKindFactory, ActorLogic } from "./types.js";

/** The logic factories a system registered by kind: what other systems may spawn here from data alone. */
export class ActorKinds {
  private readonly factories = new Map<string, ActorKindFactory>();

  constructor(private readonly systemId: string) {}

  register(kind: string, factory: ActorKindFactory): void {
    if (typeof kind !== "string" || kind.length === 0) throw new InvalidActorOptionError(`invalid actor kind ${JSON.stringify(kind)}`, "use a non-empty string");
    if (typeof factory !== "function") throw new InvalidActorOptionError(`the factory of actor kind ${kind} is not a function`, "pass (spec) => logic");
    if (this.factories.has(kind)) throw new InvalidActorOptionError(`actor kind ${kind} is already registered`, "register each kind once per system");
    this.factories.set(kind, factory);
  }

  /** The logic for `kind` built from `spec`; throws UnknownActorKindError, or whatever the factory throws. */
  build(kind: string, spec: unknown): ActorLogic<any, any> {
    const factory = this.factories.get(kind);
    if (factory === undefined) throw new UnknownActorKindError(kind, this.systemId);
    return factory(spec);
  }
}
