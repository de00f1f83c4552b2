/**
 * The message as the application has received it so far: the text of its text blocks, and
 * every block with its kind, text and whether it is complete. Built from the chunks handed out,
 * in order, so it never runs ahead of what the application consumed.
 */
import type { BlockKind, Chunk, ToolCallInfo } from '@spool/protocol';

export interface BlockState {
  index: number;
  kind: BlockKind;
  text: string;
  tool?: ToolCallInfo;
  complete: boolean;
}

export class MessageState {
  readonly #blocks: BlockState[] = [];
  readonly #byIndex = new Map<number, BlockState>();
  #text = '';

  get text(): string {
    return this.#text;
  }

  /** A copy of every block seen, in order of appearance. */
  get blocks(): BlockState[] {
    return this.#blocks.map((block) => ({ ...block }));
  }

  apply(chunk: Chunk): void {
    if (chunk.kind === 'tokens') {
      const block = this.#block(chunk.block);
      block.text += chunk.text;
      if (block.kind === 'text') this.#text += chunk.text;
      return;
    }
    const { item } = chunk;
    if (item.type === 'block_start') {
      const block = this.#block(item.block, item.kind);
      block.kind = item.kind;
      if (item.tool !== undefined) block.tool = { id: item.tool.id, name: item.tool.name };
    } else if (item.type === 'block_end') {
      this.#block(item.block).complete = true;
    }
  }

  /**
   * The block at `index`, created when first seen. A stream read from the middle of a block
   * never saw its `block_start`: such a block counts as `text` until told otherwise.
   */
  #block(index: number, kind: BlockKind = 'text'): BlockState {
    let block = this.#byIndex.get(index);
    if (block === undefined) {
      block = { index, kind, text: '', complete: false };
      this.#byIndex.set(index, block);
      this.#blocks.push(block);
    }
    return block;
  }
}
