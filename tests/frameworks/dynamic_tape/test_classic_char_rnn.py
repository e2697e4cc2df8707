"""The char-RNN name classification tutorial ("Classifying Names with a Character-Level RNN", 2018), as
written: a manual RNN over torch.cat, nn.LogSoftmax, nn.NLLLoss and the hand-written update
p.data.add_(-learning_rate, p.grad.data). Only the import and the names data (a few made-up ones) change."""
import random
import string

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn as nn

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)

# stands in for data/names/*.txt: two "languages" with different letter habits
category_lines = {
    'Vowelish': ['Aiueo', 'Oaie', 'Eiuao', 'Uoaei', 'Iaou', 'Aeiu', 'Ooia'],
    'Consonantal': ['Brkst', 'Trvnk', 'Skrbt', 'Plnkt', 'Drmsk', 'Krst', 'Bbrt'],
}
all_categories = list(category_lines)
n_categories = len(all_categories)


# Find letter index from all_letters, e.g. "a" = 0
def letterToIndex(letter):
    return all_letters.find(letter)


# Just for demonstration, turn a letter into a <1 x n_letters> Tensor
def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor


# Turn a line into a <line_length x 1 x n_letters>,
# or an array of one-hot letter vectors
def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()

        self.hidden_size = hidden_size

        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


def randomChoice(l):
    return l[random.randint(0, len(l) - 1)]


def randomTrainingExample():
    category = randomChoice(all_categories)
    line = randomChoice(category_lines[category])
    category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
    line_tensor = lineToTensor(line)
    return category, line, category_tensor, line_tensor


def test_char_rnn_name_classification():
    random.seed(0)
    torch.manual_seed(0)
    n_hidden = 32
    rnn = RNN(n_letters, n_hidden, n_categories)

    assert letterToTensor('J').shape == (1, n_letters) and letterToTensor('J').sum().item() == 1
    assert lineToTensor('Jones').size() == (5, 1, n_letters)

    criterion = nn.NLLLoss()
    learning_rate = 0.005  # If you set this too high, it might explode. If too low, it might not learn

    def train(category_tensor, line_tensor):
        hidden = rnn.initHidden()

        rnn.zero_grad()

        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)

        loss = criterion(output, category_tensor)
        loss.backward()

        # Add parameters' gradients to their values, multiplied by learning rate
        for p in rnn.parameters():
            p.data.add_(-learning_rate, p.grad.data)

        return output, loss.item()

    # Just return an output given a line
    def evaluate(line_tensor):
        hidden = rnn.initHidden()

        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)

        return output

    n_iters = 600
    current_loss = 0
    all_losses = []
    for iter in range(1, n_iters + 1):
        category, line, category_tensor, line_tensor = randomTrainingExample()
        output, loss = train(category_tensor, line_tensor)
        current_loss += loss
        if iter % 100 == 0:
            all_losses.append(current_loss / 100)
            current_loss = 0
    assert all_losses[-1] < all_losses[0]

    # Keep track of correct guesses in a confusion matrix
    confusion = torch.zeros(n_categories, n_categories)
    n_confusion = 100
    for i in range(n_confusion):
        category, line, category_tensor, line_tensor = randomTrainingExample()
        output = evaluate(line_tensor)
        guess, guess_i = categoryFromOutput(output)
        category_i = all_categories.index(category)
        confusion[category_i][guess_i] += 1

    # Normalize by dividing every row by its sum
    for i in range(n_categories):
        confusion[i] = confusion[i] / confusion[i].sum()
    assert confusion[0][0].item() > 0.8 and confusion[1][1].item() > 0.8
    assert abs(confusion.sum().item() - n_categories) < 1e-5
