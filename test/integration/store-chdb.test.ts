import { ChdbStore } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { storeContract } from './store-contract.js';

storeContract('chDB (the real ClickHouse engine, in process)', async () => new ChdbStore(tempDir('store')));
