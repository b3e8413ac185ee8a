"""Custom Dataset, DataLoader batching and collation, samplers, and learning-rate schedules."""
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split
from torch.utils.data.sampler import SequentialSampler, BatchSampler


class SquaresDataset(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        x = torch.tensor([float(idx), float(idx) ** 2])
        return {'x': x, 'y': idx % 2, 'name': 'item%d' % idx}


ds = SquaresDataset(7)
loader = DataLoader(ds, batch_size=3)
for batch in loader:
    print(batch['x'], batch['y'], batch['name'])
print(len(loader), len(DataLoader(ds, batch_size=3, drop_last=True)))

tds = TensorDataset(torch.arange(10).float().view(5, 2), torch.arange(5))
print(tds[1], len(tds))
for xb, yb in DataLoader(tds, batch_size=2):
    print(xb.shape, yb)
print(list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False)))
train, val = random_split(tds, [3, 2], generator=torch.Generator().manual_seed(0))
print(len(train), len(val))
shuffled = torch.cat([y for _, y in DataLoader(tds, batch_size=2, shuffle=True)])
print(sorted(shuffled.tolist()))

model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
lrs = []
for _ in range(6):
    optimizer.step()
    scheduler.step()
    lrs.append(round(scheduler.get_last_lr()[0], 6))
print(lrs)
opt = torch.optim.Adam(model.parameters(), lr=1.0)
cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
out = []
for _ in range(4):
    opt.step()
    cos.step()
    out.append('%.4f' % opt.param_groups[0]['lr'])
print(out)
print(optimizer)
