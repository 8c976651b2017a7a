/**
 * The Pod Security Standards levels, from strictest to most open: the
 * namespaces that constructs write and the gate that checks pods share them.
 */
export class PodSecurityLevel {
  public static readonly RESTRICTED = new PodSecurityLevel('restricted', 2);
  public static readonly BASELINE = new PodSecurityLevel('baseline', 1);
  public static readonly PRIVILEGED = new PodSecurityLevel('privileged', 0);

  public static byName(name: string): PodSecurityLevel | undefined {
    return [PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE, PodSecurityLevel.PRIVILEGED].find((l) => l.name === name);
  }

  private constructor(public readonly name: string, public readonly strictness: number) {}
}
