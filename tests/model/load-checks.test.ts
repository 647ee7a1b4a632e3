import { describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadModel } from '../../electron/engine/model/checkpoint';

const BASE = path.resolve('models/digits-base');

/** A copy of the shipped model folder (no audio: model.json, weights.bin, card.json). */
async function copyOfBase(): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'load-checks-')), 'model');
  await cp(BASE, dir, { recursive: true });
  return dir;
}

describe('loading a model refuses damaged folders, naming the file and the problem', () => {
  it('weights that are NaN are refused naming the shard, the weight and how many values', async () => {
    const dir = await copyOfBase();
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    const first = json.weightsManifest[0].weights[0] as { name: string; shape: number[] };
    const n = first.shape.reduce((a, b) => a * b, 1);
    const bin = await readFile(path.join(dir, 'weights.bin'));
    await writeFile(
      path.join(dir, 'weights.bin'),
      Buffer.from(new Float32Array(bin.byteLength / 4).fill(NaN).buffer),
    );
    await expect(loadModel(dir)).rejects.toThrow(
      `${path.join(dir, 'weights.bin')}: weight "${first.name}" holds ${n} NaN or infinite values (of ${n}); the model cannot be used`,
    );
    // one infinity deep inside the last weight is found too
    const f = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    f[f.length - 1] = Infinity;
    await writeFile(path.join(dir, 'weights.bin'), Buffer.from(f.buffer));
    const last = json.weightsManifest[0].weights.at(-1) as { name: string; shape: number[] };
    await expect(loadModel(dir)).rejects.toThrow(
      `weight "${last.name}" holds 1 NaN or infinite values (of ${last.shape.reduce((a, b) => a * b, 1)})`,
    );
  });

  it('a card listing a token twice is refused', async () => {
    const dir = await copyOfBase();
    const card = JSON.parse(await readFile(path.join(dir, 'card.json'), 'utf8'));
    card.tokens.inventory[7] = 'one';
    await writeFile(path.join(dir, 'card.json'), JSON.stringify(card));
    await expect(loadModel(dir)).rejects.toThrow(
      `${path.join(dir, 'card.json')}: tokens.inventory lists "one" twice (at 2 and 7); every token must be listed once`,
    );
  });

  it('a truncated or non-JSON model.json, or one that is not a LayersModel, names model.json', async () => {
    const dir = await copyOfBase();
    const mj = path.join(dir, 'model.json');
    const text = await readFile(mj, 'utf8');
    await writeFile(mj, text.slice(0, 500));
    await expect(loadModel(dir)).rejects.toThrow(
      `${mj}: not valid JSON (the file is damaged or not a TensorFlow.js model.json)`,
    );
    await writeFile(mj, 'root:x:0:0:root:/root:/bin/bash\n');
    const err = (await loadModel(dir).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`${mj}: not valid JSON (the file is damaged or not a TensorFlow.js model.json)`);
    await writeFile(mj, JSON.stringify({ ...JSON.parse(text), weightsManifest: undefined }));
    await expect(loadModel(dir)).rejects.toThrow(
      `${mj}: not a TensorFlow.js LayersModel (no "weightsManifest" list)`,
    );
    await writeFile(mj, '[1, 2]');
    await expect(loadModel(dir)).rejects.toThrow(
      `${mj}: not a TensorFlow.js LayersModel (not a JSON object)`,
    );
  });

  it('weight shards outside the model folder (by path or by link) and short shards are refused', async () => {
    const dir = await copyOfBase();
    const mj = path.join(dir, 'model.json');
    const json = JSON.parse(await readFile(mj, 'utf8'));
    await cp(path.join(dir, 'weights.bin'), path.join(dir, '..', 'outside.bin'));
    await writeFile(
      mj,
      JSON.stringify({
        ...json,
        weightsManifest: [{ ...json.weightsManifest[0], paths: ['../outside.bin'] }],
      }),
    );
    await expect(loadModel(dir)).rejects.toThrow(
      `${mj}: weight shard path "../outside.bin" leaves the model folder`,
    );
    await symlink(path.join(dir, '..', 'outside.bin'), path.join(dir, 'link.bin'));
    await writeFile(
      mj,
      JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: ['link.bin'] }] }),
    );
    await expect(loadModel(dir)).rejects.toThrow(
      `${path.join(dir, 'link.bin')}: weight shard links outside the model folder`,
    );
    await writeFile(
      mj,
      JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: ['.'] }] }),
    );
    await expect(loadModel(dir)).rejects.toThrow(`${dir}: weight shard is a folder, expected a file`);
    await writeFile(mj, JSON.stringify(json));
    const bin = await readFile(path.join(dir, 'weights.bin'));
    await writeFile(path.join(dir, 'weights.bin'), bin.subarray(0, 1000));
    await expect(loadModel(dir)).rejects.toThrow(
      `${mj}: the weight shards hold 1000 bytes, the manifest lists at least`,
    );
  });

  it('a card that is not JSON is refused without quoting it', async () => {
    const dir = await copyOfBase();
    await writeFile(path.join(dir, 'card.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    const err = (await loadModel(dir).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`${path.join(dir, 'card.json')}: not valid JSON`);
  });
});
