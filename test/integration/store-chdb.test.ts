import { ChdbStore } from '../../src/store/index.js';
import { tempDir } from '../support/helpers.js';
import { storeContract } from '../support/storeContract.js';

storeContract('chDB (the real ClickHouse engine, in process)', async () => new ChdbStore(tempDir('store')));
