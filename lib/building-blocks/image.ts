/**
 * A container image pinned to a version: a tag other than `latest`, or a digest.
 * Knowing the user id the image runs as lets security contexts match it.
 */

const REFERENCE = /^(?<repo>(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** What an image's process needs that the reference does not say. */
export interface ContainerImageProps {
  /**
   * The numeric user the image's process runs as; Kubernetes needs a number to prove `runAsNonRoot`.
   * @default 65532 (a conventional unprivileged "nonroot" user)
   */
  readonly uid?: number;
  /**
   * The numeric group for files the process writes (fsGroup).
   * @default the same as uid
   */
  readonly gid?: number;
  /**
   * The image must run as root (uid 0), e.g. a log shipper reading root-owned node files. Workloads refuse it unless
   * their app lowers its Pod Security level with a reason.
   * @default false
   */
  readonly runsAsRoot?: boolean;
  /**
   * CPU architectures the image is published for (Kubernetes `kubernetes.io/arch` values). Pods of an image built
   * for fewer than the usual two are scheduled only on nodes of those, so they wait with a clear reason instead of
   * failing with `exec format error` (e.g. rocketchat/rocket.chat, amd64 only).
   * @default - any (a multi-architecture image)
   */
  readonly architectures?: readonly string[];
  /**
   * The image has a `sleep` program on its PATH (busybox, coreutils: Alpine, Debian and Ubuntu bases do; distroless,
   * Chainguard and scratch images do not). Only needed where the default drain runs `sleep` in the container, that is
   * when the environment's minimum Kubernetes is below 1.30 and has no native sleep action.
   * @default false
   */
  readonly hasSleep?: boolean;
}

/** A pinned container image reference with the user and features of its image. */
export class ContainerImage {
  /** A pinned image reference such as `mongo:8.0.26` or `repo/app@sha256:...`. */
  public static of(reference: string, props: ContainerImageProps = {}): ContainerImage {
    return new ContainerImage(reference, props);
  }

  public readonly repository: string;
  public readonly tag?: string;
  public readonly digest?: string;
  public readonly uid: number;
  public readonly gid: number;
  /** Architectures the image runs on; undefined for any. */
  public readonly architectures?: readonly string[];
  /** Whether the image declared a `sleep` program (see ContainerImageProps.hasSleep). */
  public readonly hasSleep: boolean;

  private constructor(public readonly reference: string, props: ContainerImageProps) {
    const match = REFERENCE.exec(reference);
    if (!match?.groups) {
      throw new Error(`image '${reference}' is not a valid image reference; use repository:tag, e.g. mongo:8.0.26`);
    }
    this.repository = match.groups.repo;
    this.tag = match.groups.tag;
    this.digest = match.groups.digest;
    if (!this.tag && !this.digest) {
      throw new Error(`image '${reference}' has no tag; pin a version, e.g. ${reference}:1.2.3, so that every node runs the same code`);
    }
    if (this.tag === 'latest' && !this.digest) {
      throw new Error(`image '${reference}' uses the 'latest' tag; pin a version or a digest so that rollbacks and caches behave`);
    }
    if (props.architectures && props.architectures.length === 0) {
      throw new Error(`image '${reference}': architectures is empty; list the ones it is published for, e.g. ['amd64'], or leave it out`);
    }
    this.architectures = props.architectures ? [...props.architectures] : undefined;
    this.uid = props.runsAsRoot ? 0 : props.uid ?? 65532;
    this.gid = props.runsAsRoot ? 0 : props.gid ?? this.uid;
    this.hasSleep = props.hasSleep ?? false;
    if (!props.runsAsRoot && (!Number.isInteger(this.uid) || this.uid <= 0 || !Number.isInteger(this.gid) || this.gid <= 0)) {
      throw new Error(`image '${reference}': uid ${this.uid} and gid ${this.gid} must be whole numbers above 0; the restricted Pod Security level forbids root`);
    }
  }

  /** The version for the `app.kubernetes.io/version` label: the tag, else the short digest. */
  public get version(): string {
    const raw = this.tag ?? this.digest!.slice('sha256:'.length, 'sha256:'.length + 12);
    return raw.slice(0, 63);
  }
}
