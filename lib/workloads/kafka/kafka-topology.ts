/** How a Kafka cluster's nodes are split between the controller and broker roles. */
import { checkCount } from '../../building-blocks/names';

/** How a Kafka cluster's nodes are split between the controller and broker roles. */
export class KafkaTopology {
  /** Every node is broker and controller: for local development and small clusters. */
  public static combined(nodes: number): KafkaTopology {
    return new KafkaTopology(checkCount('kafka topology', 'nodes', nodes, 1, 9), 0, true);
  }

  /** Dedicated controllers (the quorum) and brokers, each in its own StatefulSet: the production layout. */
  public static separate(counts: { readonly controllers: number; readonly brokers: number }): KafkaTopology {
    return new KafkaTopology(checkCount('kafka topology', 'controllers', counts.controllers, 1, 9), checkCount('kafka topology', 'brokers', counts.brokers, 1, 100), false);
  }

  private constructor(
    /** Controller-capable nodes (for combined, every node). */
    public readonly controllers: number,
    private readonly dedicatedBrokers: number,
    public readonly combinedNodes: boolean,
  ) {
    if (controllers % 2 === 0) {
      throw new Error(`kafka topology: ${controllers} controllers is even; use an odd number so that a majority of the quorum survives the loss of one`);
    }
  }

  /** Nodes that store partitions. */
  public get brokers(): number {
    return this.combinedNodes ? this.controllers : this.dedicatedBrokers;
  }
}
